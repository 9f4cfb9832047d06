import { REGIONS } from './regions';
import type { Taxonomy } from './schema';

type L = { en: string; ru: string; ky: string };
const o = (id: string, en: string, ru: string, ky: string, maps?: { gbvims?: string; chi?: string }) => ({
  id,
  label: { en, ru, ky } satisfies L,
  ...(maps ? { maps } : {}),
});

/** The first taxonomy (docs/domain.md §4, §6). Data, not code: a new version is uploaded, old records keep theirs. */
export const TAXONOMY_KG_2026_1 = {
  version: 'kg-2026.1',
  channels: [
    o('call', 'Call to 5200', 'Звонок на 5200', '5200гө чалуу'),
    o('call_back', 'Call-back', 'Обратный звонок', 'Кайра чалуу'),
    o('walk_in', 'Walk-in', 'Личный визит', 'Жеке келүү'),
    o('message', 'Message', 'Сообщение', 'Билдирүү'),
    o(
      'phone',
      'Phone call the PBX did not report',
      'Телефонный звонок, не отмеченный АТС',
      'АТС белгилебеген телефон чалуусу',
    ),
  ],
  contactKinds: [
    { ...o('about_self', 'About herself / himself', 'О себе', 'Өзү жөнүндө'), data: true },
    { ...o('about_other', 'About someone else', 'О другом человеке', 'Башка адам жөнүндө'), data: true },
    { ...o('information', 'Information only', 'Только информация', 'Маалымат гана'), data: false },
    { ...o('silent', 'Silent call', 'Молчащий звонок', 'Үнсүз чалуу'), data: false },
    { ...o('hang_up', 'Hung up', 'Сбросили звонок', 'Трубканы коюп салды'), data: false },
    { ...o('prank', 'Prank or abusive', 'Розыгрыш или оскорбления', 'Тамаша же кордоо'), data: false },
    { ...o('wrong_number', 'Wrong number', 'Ошиблись номером', 'Туура эмес номер'), data: false },
  ],
  callerRoles: [
    o('survivor', 'Survivor', 'Пострадавшая / пострадавший', 'Жабыр тарткан'),
    o('third_party', 'Relative, neighbour or friend', 'Родственник, сосед или друг', 'Тууган, коңшу же дос'),
    o('professional', 'Professional', 'Специалист', 'Адис'),
    o(
      'perpetrator',
      'Perpetrator seeking help',
      'Обидчик, ищущий помощи',
      'Жардам сураган зомбулук көрсөткөн адам',
    ),
  ],
  genders: [
    o('female', 'Female', 'Женский', 'Аял'),
    o('male', 'Male', 'Мужской', 'Эркек'),
    o('unknown', 'Unknown', 'Неизвестно', 'Белгисиз'),
  ],
  ageBands: [
    o('0-11', '0–11', '0–11', '0–11'),
    o('12-17', '12–17', '12–17', '12–17'),
    o('18-25', '18–25', '18–25', '18–25'),
    o('26-40', '26–40', '26–40', '26–40'),
    o('41-60', '41–60', '41–60', '41–60'),
    o('61+', '61+', '61+', '61+'),
    o('unknown', 'Unknown', 'Неизвестно', 'Белгисиз'),
  ],
  regions: REGIONS.map((r) => ({ id: r.id, label: r.label })),
  settlements: [
    o('urban', 'Urban', 'Город', 'Шаар'),
    o('rural', 'Rural', 'Село', 'Айыл'),
    o('unknown', 'Unknown', 'Неизвестно', 'Белгисиз'),
  ],
  disabilityTypes: [
    o('physical', 'Physical', 'Физическая', 'Физикалык'),
    o('sensory', 'Seeing or hearing', 'Зрение или слух', 'Көрүү же угуу'),
    o('intellectual', 'Intellectual', 'Интеллектуальная', 'Интеллектуалдык'),
    o('psychosocial', 'Psychosocial', 'Психосоциальная', 'Психосоциалдык'),
    o('other', 'Other', 'Другое', 'Башка'),
  ],
  languages: [
    o('ky', 'Kyrgyz', 'Кыргызский', 'Кыргызча'),
    o('ru', 'Russian', 'Русский', 'Орусча'),
    o('uz', 'Uzbek', 'Узбекский', 'Өзбекче'),
    o('en', 'English', 'Английский', 'Англисче'),
    o('other', 'Other', 'Другой', 'Башка'),
  ],
  violenceForms: [
    {
      ...o('physical', 'Physical', 'Физическое', 'Физикалык', {
        gbvims: 'physical_assault',
        chi: 'physical_abuse',
      }),
      group: 'violence',
    },
    {
      ...o('psychological', 'Psychological', 'Психологическое', 'Психологиялык', {
        gbvims: 'psychological_abuse',
        chi: 'emotional_abuse',
      }),
      group: 'violence',
    },
    {
      ...o('economic', 'Economic', 'Экономическое', 'Экономикалык', {
        gbvims: 'denial_of_resources',
        chi: 'neglect',
      }),
      group: 'violence',
    },
    {
      ...o('sexual', 'Sexual', 'Сексуальное', 'Сексуалдык', {
        gbvims: 'sexual_assault',
        chi: 'sexual_abuse',
      }),
      group: 'violence',
    },
    {
      ...o('neglect', 'Neglect', 'Пренебрежение', 'Кароосуз калтыруу', {
        gbvims: 'denial_of_resources',
        chi: 'neglect',
      }),
      group: 'violence',
    },
    {
      ...o('threats', 'Threats', 'Угрозы', 'Коркутуу', {
        gbvims: 'psychological_abuse',
        chi: 'emotional_abuse',
      }),
      group: 'violence',
    },
    {
      ...o('stalking_control', 'Stalking and control', 'Преследование и контроль', 'Аңдуу жана көзөмөлдөө', {
        gbvims: 'psychological_abuse',
        chi: 'emotional_abuse',
      }),
      group: 'violence',
    },
    {
      ...o(
        'forced_early_marriage',
        'Bride kidnapping, forced or early marriage',
        'Похищение невесты, принудительный или ранний брак',
        'Кыз ала качуу, мажбурлап же эрте нике',
        { gbvims: 'forced_marriage', chi: 'child_marriage' },
      ),
      group: 'violence',
    },
    {
      ...o(
        'tech_facilitated',
        'Technology-facilitated abuse',
        'Насилие с помощью технологий',
        'Технология аркылуу зомбулук',
        { gbvims: 'psychological_abuse', chi: 'online_abuse' },
      ),
      group: 'violence',
    },
    {
      ...o(
        'trafficking_labour',
        'Trafficking: labour',
        'Торговля людьми: трудовая эксплуатация',
        'Адам сатуу: эмгек эксплуатациясы',
        { chi: 'trafficking' },
      ),
      group: 'trafficking',
    },
    {
      ...o(
        'trafficking_sexual',
        'Trafficking: sexual exploitation',
        'Торговля людьми: сексуальная эксплуатация',
        'Адам сатуу: сексуалдык эксплуатация',
        { gbvims: 'sexual_assault', chi: 'trafficking' },
      ),
      group: 'trafficking',
    },
    {
      ...o(
        'trafficking_marriage',
        'Trafficking: forced marriage',
        'Торговля людьми: принудительный брак',
        'Адам сатуу: мажбурлап нике',
        { gbvims: 'forced_marriage', chi: 'trafficking' },
      ),
      group: 'trafficking',
    },
    {
      ...o(
        'trafficking_debt',
        'Trafficking: debt bondage',
        'Торговля людьми: долговая кабала',
        'Адам сатуу: карыз кулчулугу',
        { chi: 'trafficking' },
      ),
      group: 'trafficking',
    },
  ],
  perpetratorRelations: [
    o('husband', 'Husband', 'Муж', 'Күйөөсү'),
    o('ex_husband', 'Ex-husband', 'Бывший муж', 'Мурунку күйөөсү'),
    o('partner', 'Partner', 'Партнёр', 'Өнөктөшү'),
    o('in_law', 'In-law', 'Родственник супруга', 'Кайын журту'),
    o('parent', 'Parent', 'Родитель', 'Ата-энеси'),
    o('child', 'Child', 'Ребёнок', 'Баласы'),
    o('sibling', 'Sibling', 'Брат или сестра', 'Бир тууганы'),
    o('other_relative', 'Other relative', 'Другой родственник', 'Башка тууганы'),
    o('employer', 'Employer', 'Работодатель', 'Иш берүүчү'),
    o('recruiter', 'Recruiter', 'Вербовщик', 'Жалдоочу'),
    o('other', 'Other', 'Другое', 'Башка'),
  ],
  services: [
    o('crisis_counselling', 'Crisis counselling', 'Кризисное консультирование', 'Кризистик кеңеш берүү'),
    o('psychological_support', 'Psychological support', 'Психологическая поддержка', 'Психологиялык колдоо'),
    o('legal_information', 'Legal information', 'Правовая информация', 'Укуктук маалымат'),
    o(
      'protection_order_information',
      'Protection-order information',
      'Информация об охранном ордере',
      'Коргоо ордери тууралуу маалымат',
    ),
    o('safety_plan', 'Safety plan', 'План безопасности', 'Коопсуздук планы'),
    o('referral', 'Referral', 'Направление', 'Жолдомо'),
    o('follow_up_agreed', 'Follow-up call agreed', 'Согласован повторный звонок', 'Кайра чалуу макулдашылды'),
  ],
  safetyPlan: [
    {
      id: 'incident',
      label: { en: 'During an incident', ru: 'Во время инцидента', ky: 'Окуя учурунда' },
      items: [
        o(
          'exit_room',
          'A room with a way out, away from the kitchen',
          'Комната с выходом, подальше от кухни',
          'Чыгуучу жолу бар, ашканадан алыс бөлмө',
        ),
        o(
          'code_word_neighbour',
          'A code word agreed with a neighbour',
          'Кодовое слово с соседом',
          'Коңшу менен макулдашылган шарттуу сөз',
        ),
        o('call_102', 'Call 102', 'Звонить 102', '102ге чалуу'),
      ],
    },
    {
      id: 'leaving',
      label: { en: 'Preparing to leave', ru: 'Подготовка к уходу', ky: 'Кетүүгө даярдануу' },
      items: [
        o(
          'bag_documents',
          'A bag with ID and birth certificates',
          'Сумка с удостоверением и свидетельствами о рождении',
          'Күбөлүк жана туулгандыгы тууралуу күбөлүктөр салынган сумка',
        ),
        o(
          'bag_order_copy',
          'A copy of the protection order',
          'Копия охранного ордера',
          'Коргоо ордеринин көчүрмөсү',
        ),
        o(
          'bag_medicine_money',
          'Medicine, money, keys, a charger',
          'Лекарства, деньги, ключи, зарядка',
          'Дары, акча, ачкычтар, кубаттагыч',
        ),
        o(
          'copies_trusted',
          'Copies kept with a trusted person',
          'Копии у доверенного человека',
          'Көчүрмөлөр ишенимдүү адамда',
        ),
        o('where_to_go', 'Where to go and how', 'Куда и как уйти', 'Кайда жана кантип кетүү'),
      ],
    },
    {
      id: 'children',
      label: { en: 'Children', ru: 'Дети', ky: 'Балдар' },
      items: [
        o(
          'children_call_help',
          'How and when the children call for help',
          'Как и когда дети зовут на помощь',
          'Балдар качан жана кантип жардам чакырат',
        ),
      ],
    },
    {
      id: 'after',
      label: { en: 'After leaving', ru: 'После ухода', ky: 'Кеткенден кийин' },
      items: [
        o('vary_routines', 'Vary routines', 'Менять привычные маршруты', 'Күнүмдүк жолдорду өзгөртүү'),
        o(
          'tell_school_work',
          'Tell the school or work',
          'Сообщить в школу или на работу',
          'Мектепке же жумушка кабарлоо',
        ),
        o(
          'carry_order',
          'Carry the protection order',
          'Носить с собой охранный ордер',
          'Коргоо ордерин өзү менен алып жүрүү',
        ),
        o('record_breaches', 'Record breaches', 'Записывать нарушения', 'Бузууларды жазып алуу'),
      ],
    },
    {
      id: 'digital',
      label: { en: 'Digital safety', ru: 'Цифровая безопасность', ky: 'Санариптик коопсуздук' },
      items: [
        o('safe_phone', 'A safe phone', 'Безопасный телефон', 'Коопсуз телефон'),
        o(
          'location_sharing',
          'Location sharing turned off',
          'Отключена передача местоположения',
          'Жайгашкан жерди бөлүшүү өчүрүлгөн',
        ),
        o(
          'shared_accounts',
          'Shared accounts secured',
          'Общие аккаунты защищены',
          'Жалпы аккаунттар корголгон',
        ),
      ],
    },
  ],
} satisfies Taxonomy;
