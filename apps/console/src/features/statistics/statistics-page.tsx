import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';

export function StatisticsPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.statistics')} intro={t('statistics.intro')}>
      <ComingLater
        items={[
          { id: 'dashboards', title: t('statistics.dashboardsTitle'), text: t('statistics.dashboardsText') },
          { id: 'exports', title: t('statistics.exportsTitle'), text: t('statistics.exportsText') },
        ]}
      />
    </AreaPage>
  );
}
